"""Short Chinese texts the way coordinators write them: notes, titles, needs, wishes."""

from __future__ import annotations

HOBBIES = ("画画", "唱歌", "跳绳", "篮球", "乒乓球", "看书", "跑步", "手工", "下棋", "跳舞", "足球",
           "写毛笔字", "讲故事", "羽毛球", "做饭", "养花", "听音乐", "拼积木")
HEALTH_COMMON = (("良好", 86), ("近视", 5), ("体质较弱", 2), ("过敏性鼻炎", 2), ("哮喘", 1),
                 ("贫血", 1), ("龋齿较多", 2), ("先天性心脏病（已手术）", 1))
HEALTH_DISABLED = ("肢体残疾（二级）", "听力残疾（三级）", "智力残疾（二级）", "视力残疾（低视力）",
                   "言语残疾", "脑瘫（肢体残疾一级）", "孤独症谱系障碍")
PSYCH_NOTES = (
    "性格内向，不爱说话，课间多独处", "思念父母，提到父母时容易哭",
    "情绪波动较大，易与同学发生冲突",
    "自卑，缺乏自信，不敢在课堂上发言", "沉迷手机游戏，作息不规律", "逆反心理较强，不听祖辈管教",
    "父母离异后情绪低落，需持续关注", "胆小怕黑，夜里常做噩梦", "对学习失去兴趣，有厌学情绪",
)
CONCERN_TAGS = ("心理", "安全", "学业", "监护", "健康", "经济")
PARENT_CONTACT_LEFT_BEHIND = (("电话", 45), ("微信视频", 40), ("很少联系", 10), ("寒暑假见面", 5))
ASSESSMENT_NOTES = {
    "red": ("监护人年老体弱，监护能力明显不足", "曾有溺水险情，需加强安全监护",
            "父母长期失联，无人照料日常生活", "有自伤言语，已转介心理老师"),
    "yellow": ("监护人文化程度低，学习无人辅导", "情绪低落，与同学交往少",
               "住房条件较差，存在安全隐患", "隔代监护，监护人身体欠佳"),
    "blue": ("基本生活有保障，需关注学习", "与父母联系较少，偶有情绪波动"),
    "green": ("各方面情况良好", "生活、学习正常，监护到位"),
}

# Care contact notes by kind; {g} is the guardian as the child calls them (奶奶, 外婆, 母亲 …).
CONTACT_NOTES: dict[str, tuple[str, ...]] = {
    "home_visit": (
        "到家中走访，与{g}交流孩子近期的学习和生活情况。", "入户走访，查看居住环境和用电用火安全。",
        "家访，了解到孩子周末常一个人在家，提醒{g}注意看护。",
        "走访时叮嘱{g}暑期防溺水，签订安全承诺书。",
        "家访，孩子作业完成较好，{g}反映在家很懂事。", "入户了解家庭经济情况，协助申请临时救助。"),
    "phone_visit": (
        "电话联系{g}，了解孩子周末在家情况。", "电话回访，{g}反映孩子最近睡得晚，已提醒。",
        "与{g}通话，告知孩子期中考试成绩。", "电访，提醒{g}关注孩子上下学交通安全。"),
    "talk": (
        "课间谈心，孩子说想念在外打工的爸爸妈妈。", "谈心，鼓励孩子多和同学一起玩。",
        "与孩子谈学习计划，约定每天按时完成作业。", "谈心，孩子最近情绪稳定，愿意主动说话了。",
        "午休时谈心，了解到和同学闹了矛盾，已引导和好。", "放学后谈心，表扬孩子本周进步明显。"),
    "parent_call": (
        "组织孩子与父母视频通话约十五分钟。", "安排亲情电话，孩子向妈妈汇报了考试成绩。",
        "帮助孩子给在外务工的父亲打电话。", "亲情视频，父母叮嘱孩子听{g}的话。"),
    "letter": ("指导孩子给父母写信，讲述在校生活。", "孩子写了一封给妈妈的信，已帮助寄出。"),
    "tutoring": (
        "辅导数学作业，讲解应用题解题思路。", "辅导语文阅读理解，练习朗读。",
        "课后辅导英语单词默写。", "检查作业并订正错题。"),
    "counselling": (
        "心理辅导，做了绘画测评，孩子情绪基本稳定。", "沙盘游戏辅导，孩子愿意表达内心想法。",
        "针对考试焦虑进行放松训练。"),
    "health_check": ("陪同参加免费体检，各项指标正常。", "带孩子到卫生院复查视力。"),
    "delivery": ("送去书包、文具等学习用品。", "送去冬衣和棉被。", "送去牛奶、大米等生活物资。"),
}
CONTACT_MINUTES = {
    "home_visit": (30, 90), "phone_visit": (10, 30), "talk": (15, 40), "parent_call": (10, 30),
    "letter": (20, 40), "tutoring": (30, 90), "counselling": (30, 60), "health_check": (30, 90),
    "delivery": (20, 40),
}
# Contact kinds each kind of helper mostly does, with weights.
CONTACT_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "class_teacher": (("talk", 36), ("parent_call", 18), ("phone_visit", 14), ("home_visit", 10),
                      ("tutoring", 16), ("counselling", 3), ("letter", 3)),
    "teacher": (("talk", 34), ("tutoring", 28), ("phone_visit", 14), ("home_visit", 10),
                ("parent_call", 12), ("letter", 2)),
    "volunteer": (("home_visit", 24), ("talk", 24), ("phone_visit", 20), ("delivery", 10),
                  ("tutoring", 10), ("letter", 6), ("health_check", 6)),
    "caring_parent": (("talk", 30), ("phone_visit", 20), ("home_visit", 20), ("parent_call", 15),
                      ("delivery", 15)),
    "peer_student": (("tutoring", 50), ("talk", 42), ("letter", 8)),
    "social_worker": (("counselling", 30), ("home_visit", 30), ("talk", 20), ("phone_visit", 20)),
    "child_director": (("home_visit", 45), ("phone_visit", 35), ("talk", 10), ("delivery", 10)),
}
END_REASONS = (("helper_left", "帮扶人工作调动"), ("helper_left", "教师调离本校"),
               ("helper_left", "志愿者服务期满"), ("reassigned", "重新调整结对"),
               ("helper_left", "帮扶人外出务工"))

ACTIVITY_TITLES: dict[str, tuple[str, ...]] = {
    "safety_education": ("防溺水安全教育讲座", "交通安全进校园", "防拐骗自护教育", "消防安全演练",
                         "预防校园欺凌专题讲座", "防网络诈骗宣传", "用电用火安全教育"),
    "mental_health": ("“阳光心灵”团体辅导", "心理健康讲座", "情绪管理小组活动",
                      "5·25心理健康日活动"),
    "tutoring": ("周末课业辅导班", "暑期课业辅导", "“四点半课堂”作业辅导", "绘本阅读分享会"),
    "capacity_building": ("抗逆力培养小组", "“我的小目标”成长营", "户外拓展训练",
                          "自我保护能力提升营"),
    "care_visit": ("困境儿童关爱慰问", "走访慰问留守儿童家庭", "送温暖关爱行动"),
    "festival_visit": ("六一儿童节慰问", "中秋节“月圆人团圆”慰问", "春节送温暖慰问",
                       "端午节包粽子活动"),
    "sports_arts": ("留守儿童趣味运动会", "书画比赛", "“童心向党”歌咏比赛", "手工制作活动"),
    "family_link": ("亲情视频连线", "“给爸爸妈妈的一封信”活动", "亲情电话周"),
    "wish_fulfilment": ("“微心愿”圆梦行动", "新年心愿认领活动"),
    "meeting": ("留守儿童家长会", "监护人座谈会", "帮扶教师工作座谈会"),
    "volunteer_service": ("学雷锋志愿服务进村", "大学生志愿者暑期支教", "爱心义剪进校园"),
    "other": ("防近视视力筛查", "图书捐赠仪式"),
}
SCHOOL_PLACES = ("多功能厅", "操场", "阶梯教室", "心理咨询室", "会议室", "图书室", "少先队活动室")
TOWN_PLACES = ("留守儿童之家", "综合文化站", "新时代文明实践站", "儿童之家")

PROVIDERS = (  # (name, kind); "{county}" becomes the county's name
    ("{county}潮汕商会", "association"), ("{county}应急志愿者协会", "association"),
    ("{county}志愿者协会", "association"), ("{county}公安局", "government"),
    ("{county}妇女联合会", "government"), ("{county}民政局", "government"),
    ("共青团{county}委员会", "government"), ("{county}红十字会", "association"),
    ("{county}阳光社会工作服务中心", "association"), ("{county}宏达建材有限公司", "enterprise"),
    ("{county}农村商业银行", "enterprise"), ("{county}人民医院", "government"),
    ("双百社工站", "association"), ("{county}日报社", "enterprise"),
    ("爱心人士张女士", "individual"), ("{county}第一中学", "school"),
    ("{county}恒信超市", "enterprise"), ("{county}教育基金会", "association"),
)
NEED_TEXTS: dict[str, tuple[str, ...]] = {
    "economic": ("家庭主要劳动力患病，经济困难，只能维持基本生计", "住房破旧，需要修缮资助",
                 "学杂费和生活费有困难"),
    "schooling_transfer": ("户口在乡下，随祖辈在城区生活，需解决异地入学",
                           "随父母迁居外地，需办理转学"),
    "assistive_device": ("需要适配轮椅，费用较高", "需要验配助听器", "需要矫形器和康复训练"),
    "medical": ("需要眼科复查和配镜", "慢性病长期用药，需要医疗救助", "牙齿问题需要治疗"),
    "psychological": ("情绪低落，需要专业心理辅导", "父母离异后出现厌学情绪，需要心理疏导"),
    "study": ("数学基础薄弱，需要课后辅导", "缺少课外读物和学习用品", "作业无人辅导和监督"),
    "guardianship": ("祖辈年迈，监护能力不足", "父母失联，需要落实委托监护"),
    "safety": ("住处临近水塘，需要加强防溺水看护", "上学路途远，需要交通安全保障"),
}
NEED_WEIGHTS = {"economic": 30, "study": 22, "psychological": 14, "medical": 10,
                "guardianship": 8, "safety": 7, "schooling_transfer": 5, "assistive_device": 4}
WISHES = ("一个新书包", "一套课外书", "一双运动鞋", "和爸爸妈妈视频通话", "一个篮球",
          "一本新华字典", "一件羽绒服", "一盒水彩笔", "一个台灯", "一副羽毛球拍", "一套画具",
          "去县城科技馆参观", "一个足球", "一本英语词典", "一个保温杯")
GOODS = (("书包", "个", 60), ("冬衣", "件", 120), ("课外图书", "册", 25), ("文具礼包", "份", 40),
         ("棉被", "床", 150), ("牛奶", "箱", 50), ("体育用品", "套", 80), ("台灯", "个", 45))

SURVEY_TITLE = "留守儿童关爱需求问卷调查"
# (question, options, weights); the first reproduces the seeds' figures (95% 父亲或母亲, 4.5% 老师).
SURVEY_QUESTIONS = (
    ("你有心里话最想对谁说？", ("父亲或母亲", "（外）祖父母", "老师", "同学朋友", "其他"),
     (95, 0, 4.5, 0.3, 0.2)),
    ("你在学习方面遇到的最大困难是什么？",
     ("没人辅导，没人监督", "学习习惯不好", "听不懂课", "作业太多", "没有困难"),
     (46, 18, 14, 7, 15)),
    ("你多长时间和父母联系一次？", ("每天", "每周", "每月", "很少联系"), (14, 46, 26, 14)),
)
